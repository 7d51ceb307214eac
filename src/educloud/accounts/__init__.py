"""Users, their scoped roles, students' minimal profiles, and the audit of personal-data access."""
