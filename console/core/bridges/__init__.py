"""Bridge structural and traffic monitoring: instruments, warning rules and their evaluation."""
