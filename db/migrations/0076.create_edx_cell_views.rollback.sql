DROP VIEW edx_problem_grade_cell;
DROP VIEW edx_grade_report_cell;
