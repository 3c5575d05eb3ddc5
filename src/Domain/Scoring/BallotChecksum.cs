using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ChatSurvey.Domain.Scoring;

/// <summary>How many ballots stand behind a set of figures, and a SHA-256 checksum of exactly those ballots.</summary>
public sealed record BallotSeal(int Ballots, string Sha256);

/// <summary>
/// The checksum of the ballots behind a wave's final figures, so that anyone holding the ballots can check that the
/// frozen figures were computed from exactly them (docs/methodology.md, "Official figures", states the recipe):
/// <list type="number">
/// <item>Take the ballots the figures count (<see cref="ScoreFilter.Ballots"/>, by default the valid ballots), in
/// ascending response id.</item>
/// <item>Write one line per ballot: the response id in decimal, a TAB, its <c>completed_at</c> in UTC as
/// <c>YYYY-MM-DDTHH:MM:SS.ffffffZ</c> (six fractional digits), then for each of its answers, in the byte order of the
/// UTF-8 question codes, a TAB, the question code, <c>=</c> and the value; then a line feed (LF). The value is the
/// rating (1–5) of a rating answer, else its choice, else its text, else nothing (a skipped or missing answer). In codes
/// and values a backslash is written <c>\\</c>, a TAB <c>\t</c>, a line feed <c>\n</c>, a carriage return <c>\r</c>.</item>
/// <item>The checksum is the SHA-256 of the UTF-8 bytes of all the lines, written as 64 lowercase hexadecimal digits
/// (no ballot at all: the SHA-256 of nothing, <c>e3b0c442…b855</c>).</item>
/// </list>
/// </summary>
public static class BallotChecksum
{
    private const string Sql =
        $$"""
        SELECT r.id, to_char(r.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               a.question_code, coalesce(a.rating::text, a.choice, a.text_value, '')
        FROM responses r
        LEFT JOIN answers a ON a.response_id = r.id
        WHERE (@wave_id IS NULL OR r.wave_id = @wave_id)
          AND (@agency_code IS NULL OR r.agency_id IN (SELECT ag.id FROM agencies ag WHERE ag.code = @agency_code))
          AND (@period_from IS NULL OR r.completed_at >= @period_from)
          AND (@period_to IS NULL OR r.completed_at < @period_to)
          AND {{Ballots.Predicate}}
        ORDER BY r.id, a.question_code COLLATE "C"
        """;

    /// <summary>Counts and seals the ballots of <paramref name="filter"/> on <paramref name="connection"/> (inside its transaction, if any).</summary>
    public static async Task<BallotSeal> ComputeAsync(
        NpgsqlConnection connection, ScoreFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(filter);

        await using var command = new NpgsqlCommand(Sql, connection);
        Ballots.AddFilterParameters(command.Parameters, filter);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var line = new StringBuilder();
        long? current = null;
        var ballots = 0;
        void Flush()
        {
            if (current is null)
                return;
            line.Append('\n');
            hash.AppendData(Encoding.UTF8.GetBytes(line.ToString()));
            line.Clear();
        }

        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                if (id != current)
                {
                    Flush();
                    current = id;
                    ballots++;
                    line.Append(id.ToString(System.Globalization.CultureInfo.InvariantCulture)).Append('\t').Append(reader.GetString(1));
                }

                if (!reader.IsDBNull(2))
                    line.Append('\t').Append(Escape(reader.GetString(2))).Append('=').Append(Escape(reader.GetString(3)));
            }
        }

        Flush();
        return new BallotSeal(ballots, Convert.ToHexStringLower(hash.GetHashAndReset()));
    }

    /// <summary>A code or value as the recipe writes it: backslash, TAB, LF and CR escaped.</summary>
    public static string Escape(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.Replace("\\", "\\\\", StringComparison.Ordinal)
            .Replace("\t", "\\t", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\r", "\\r", StringComparison.Ordinal);
    }
}
