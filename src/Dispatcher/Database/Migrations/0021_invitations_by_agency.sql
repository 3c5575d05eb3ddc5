-- A wave's invitations of one agency: the results filtered to one agency count its delivered invitations (the response
-- rate), a top-up and continuous pacing read each agency's open ones, the progress view groups by wave and agency.
CREATE INDEX invitations_wave_agency_idx ON invitations (wave_id, agency_id);
