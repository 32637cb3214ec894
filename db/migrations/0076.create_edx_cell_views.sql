-- Create the long-form views of report cells: course, generation and column meaning joined in.
-- depends: 0075.create_edx_profile_row
CREATE VIEW edx_grade_report_cell AS
SELECT f.course_id, f.generated_at, c.user_id, c.column_index, k.assignment_type,
       k.subsection_index, CASE WHEN k.kind = 'average' THEN 1 ELSE 0 END AS is_average,
       c.grade, c.status, c.file_id
FROM edx_grade_cell c
JOIN edx_report_file f ON f.id = c.file_id
JOIN edx_report_column k ON k.file_id = c.file_id AND k.column_index = c.column_index;

CREATE VIEW edx_problem_grade_cell AS
SELECT f.course_id, f.generated_at, c.user_id, c.column_index, k.assignment_type,
       k.subsection_index, k.subsection_name, k.problem_name, c.earned, c.possible, c.status,
       c.file_id
FROM edx_problem_cell c
JOIN edx_report_file f ON f.id = c.file_id
JOIN edx_report_column k ON k.file_id = c.file_id AND k.column_index = c.column_index;
