"""Enterprise shortage postings (紧缺岗位): storage, validation, ownership and HTTP routes."""
