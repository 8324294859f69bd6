"""Collection (归集): files and API pushes → validated records, bad rows quarantined."""
