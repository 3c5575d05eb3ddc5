-- Published statistics (docs/methodology.md): Hai Phong's map since 1 July 2025, reporting blocks, retired agencies,
-- "không áp dụng" answers and the random ballot ids of the open-data files.

-- Since 1 July 2025 the city has wards (phường) and special zones (đặc khu); districts (quận, huyện) are history.
ALTER TABLE agencies DROP CONSTRAINT agencies_kind_known;
ALTER TABLE agencies ADD CONSTRAINT agencies_kind_known
    CHECK (kind IN ('city', 'department', 'district', 'ward', 'commune', 'special_zone', 'central'));

-- The block an agency is reported and ranked in follows from its kind, in this one place: the city's own
-- People's Committee and its departments (sở, ban, ngành) are the city-level block; the abolished districts keep a
-- block of their own so that old waves still read right.
ALTER TABLE agencies ADD COLUMN block text GENERATED ALWAYS AS (
    CASE kind
        WHEN 'city' THEN 'department'
        WHEN 'department' THEN 'department'
        WHEN 'district' THEN 'district'
        WHEN 'ward' THEN 'ward'
        WHEN 'commune' THEN 'commune'
        WHEN 'special_zone' THEN 'special_zone'
        WHEN 'central' THEN 'central'
    END) STORED;
ALTER TABLE agencies ADD CONSTRAINT agencies_block_known
    CHECK (block IN ('department', 'ward', 'commune', 'special_zone', 'central', 'district'));

-- A retired agency is kept for history (its transactions, ballots and figures) and hidden from new waves.
ALTER TABLE agencies ADD COLUMN retired_at timestamptz;
-- The districts were abolished on 1 July 2025; the departments below, shipped in the earlier demo catalogue, were
-- merged into new ones on 1 March 2025. Matched on code and the demo name, so an administrator's own agency that
-- happens to share a code is left alone.
UPDATE agencies SET retired_at = TIMESTAMPTZ '2025-07-01 00:00:00+07' WHERE kind = 'district';
UPDATE agencies SET retired_at = TIMESTAMPTZ '2025-03-01 00:00:00+07'
WHERE retired_at IS NULL AND (code, name) IN (
    ('HP-SKHDT', 'Sở Kế hoạch và Đầu tư'),
    ('HP-SNN', 'Sở Nông nghiệp và Phát triển nông thôn'),
    ('HP-SGTVT', 'Sở Giao thông vận tải'),
    ('HP-STNMT', 'Sở Tài nguyên và Môi trường'),
    ('HP-STTTT', 'Sở Thông tin và Truyền thông'),
    ('HP-SLDTBXH', 'Sở Lao động - Thương binh và Xã hội'),
    ('HP-SVHTT', 'Sở Văn hóa và Thể thao'),
    ('HP-SDL', 'Sở Du lịch'));

-- "Không áp dụng": the citizen says a criterion does not apply (no fee, submitted online). Like a skipped answer it is
-- not a valid answer; it is counted apart.
ALTER TABLE answers DROP CONSTRAINT answers_kind_known;
ALTER TABLE answers ADD CONSTRAINT answers_kind_known
    CHECK (kind IN ('rating', 'choice', 'text', 'yes_no', 'skipped', 'missing', 'not_applicable'));

-- The ballot id of the open-data files: random, unrelated to the phone, invitation, conversation or dossier.
ALTER TABLE responses ADD COLUMN public_ballot_id uuid NOT NULL DEFAULT gen_random_uuid();
