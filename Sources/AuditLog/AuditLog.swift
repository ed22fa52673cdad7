// Placeholder: the append-only, tamper-evident audit log (issue 8) is being built here.
