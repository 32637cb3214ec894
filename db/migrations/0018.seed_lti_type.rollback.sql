DELETE FROM lti_type WHERE canvas_id IN (25194, 4352);
