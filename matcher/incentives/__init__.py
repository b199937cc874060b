"""Mobility incentives for remote key projects: policies as versioned data, one evaluator,
flags on postings and matches, the mobility-opportunities feed and the office report."""
