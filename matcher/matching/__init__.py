"""Matching in both directions: hard rules as filters, BM25 + kNN candidates fused with
reciprocal rank fusion, re-ranking on interpretable features, and explanations."""
