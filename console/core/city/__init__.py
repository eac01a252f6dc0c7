"""The city model: five levels of divisions, their boundaries and the point lookup."""
