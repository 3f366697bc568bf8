"""Finding a case by what it says: a search text per case, encrypted, read in memory."""
