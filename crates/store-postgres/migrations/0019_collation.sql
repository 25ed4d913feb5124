-- Vietnamese alphabetical order (domain::collate): CLDR's Vietnamese rules through ICU,
-- numbers inside names compared as numbers ("Chi bộ số 2" before "Chi bộ số 10").
-- SQL orders names with `ORDER BY name COLLATE vi`, as on SQLite.
CREATE COLLATION IF NOT EXISTS vi (provider = icu, locale = 'vi-u-kn-true');
