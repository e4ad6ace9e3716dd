"""Everything that reads or writes .xlsx files: case workbooks, templates and reports."""
