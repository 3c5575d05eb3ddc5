-- A wave's progress per agency, the one definition behind the wave API, the wave list, the wave page and the dashboard
-- (they sum its rows). Counts are of the wave's invitations: planned = all of them; sent = handed to the provider;
-- delivered = with a delivery receipt; failed; opted_out = refused, or whose phone opted out after the invitation was
-- created; expired; responded = with a response (partial or completed; at most one per invitation); completed;
-- reserve_drawn = the invitations added by top-up draws (draw > 0), included in planned.
CREATE VIEW wave_agency_progress AS
SELECT i.wave_id,
       i.agency_id,
       count(*) AS planned,
       count(*) FILTER (WHERE i.sent_at IS NOT NULL) AS sent,
       count(*) FILTER (WHERE i.delivered_at IS NOT NULL OR i.status = 'delivered') AS delivered,
       count(*) FILTER (WHERE i.status = 'failed') AS failed,
       count(*) FILTER (WHERE i.status = 'opted_out' OR EXISTS (
           SELECT 1 FROM opt_outs o WHERE o.phone = i.phone AND o.created_at >= i.created_at)) AS opted_out,
       count(*) FILTER (WHERE i.status = 'expired') AS expired,
       count(r.id) AS responded,
       count(r.id) FILTER (WHERE r.status = 'completed') AS completed,
       count(*) FILTER (WHERE i.draw > 0) AS reserve_drawn
FROM invitations i
LEFT JOIN responses r ON r.invitation_id = i.id
GROUP BY i.wave_id, i.agency_id;
