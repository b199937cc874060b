"""Lookups in the vocabularies: occupation typeahead and details, regions, grades, and
the normalization of free job titles."""
