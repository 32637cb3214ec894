-- Who can see each LTI placement's tab: Canvas's tab visibility (public, members or admins).
-- depends: 0022.create_etl_cursor

ALTER TABLE lti_placement ADD COLUMN visibility VARCHAR(16) NULL;
