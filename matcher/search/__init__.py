"""Free-text search with filters and facets: postings for anyone looking for work, profiles
for offices and enterprises."""
