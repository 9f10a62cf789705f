"""Pure rules of the courses package (no Flask): study crediting and completion."""
