"""Occupations, regions and skill grades: the shared vocabularies of the service."""
