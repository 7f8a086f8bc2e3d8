"""One blueprint per audience: residents (respond), the public, and later staff and analysts."""
