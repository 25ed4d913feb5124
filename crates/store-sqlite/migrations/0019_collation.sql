-- Vietnamese alphabetical order (domain::collate). SQLite's collation `vi` is a function
-- registered on every connection, so nothing is stored here; the migration exists so that
-- both backends carry the same versions.
SELECT 1;
