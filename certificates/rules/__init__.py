"""Pure rules of certification and certificates (standard library only)."""
