// Placeholder: the Ranger-style policy engine (issue 6) is being built in this target.
// It stays pure: no I/O beyond parsing the bytes it is given.
