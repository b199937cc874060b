"""Worker profiles (求职者档案): storage, validation, ownership and their HTTP routes."""
