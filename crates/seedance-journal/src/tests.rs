//! Unit tests that need the private connection: the pragmas a journal runs with.
