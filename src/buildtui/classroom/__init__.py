"""Class mode: students hand in the lab as an OCI artifact in the class's registry, and
the instructor reads the whole class from there (no server of its own)."""
