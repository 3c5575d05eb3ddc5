using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace ChatSurvey.Domain.Sampling;

/// <summary>
/// The seeded keys of every draw (docs/methodology.md#sampling): the first 8 bytes of SHA-256 over the UTF-8 text
/// <c>label|seed|part|…</c>, built from natural keys only (agency code, dossier code, phone), never row ids, so a draw
/// depends on the seed and the data alone. <see cref="Sql"/> computes a key in PostgreSQL (the batch draw orders a whole
/// period by it), <see cref="Key"/> the same bytes in .NET; a test keeps the two equal.
/// </summary>
public static class SeededHash
{
    /// <summary>A phone's dossier when it has several: the smallest key of (agency code, dossier code).</summary>
    public const string Pick = "pick";

    /// <summary>A batch draw's order of an agency's phones: the key of the phone.</summary>
    public const string Rank = "draw";

    /// <summary>A continuous wave's draw for a dossier: the key of (agency code, dossier code), as a uniform number.</summary>
    public const string Decide = "decide";

    /// <summary>The SQL expression (a <c>bytea</c> of 8 bytes) of the key of <paramref name="label"/> and the SQL text values <paramref name="parts"/>.</summary>
    public static string Sql(string label, params string[] parts)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(parts);
        return $"substring(sha256(convert_to(concat_ws('|', '{label}', {string.Join(", ", parts)}), 'UTF8')) FROM 1 FOR 8)";
    }

    /// <summary>The key of <paramref name="label"/>, <paramref name="seed"/> and <paramref name="parts"/>, as <see cref="Sql"/> computes it.</summary>
    public static byte[] Key(string label, int seed, params string[] parts)
    {
        ArgumentException.ThrowIfNullOrEmpty(label);
        ArgumentNullException.ThrowIfNull(parts);
        var text = string.Join('|', [label, seed.ToString(System.Globalization.CultureInfo.InvariantCulture), .. parts]);
        return SHA256.HashData(Encoding.UTF8.GetBytes(text))[..8];
    }

    /// <summary>
    /// A key as a uniform number in [0, 1): its first 53 bits, read big-endian, divided by 2⁵³ (exact in a double, and
    /// never 1).
    /// </summary>
    public static double Uniform(ReadOnlySpan<byte> key)
    {
        if (key.Length < 8)
            throw new ArgumentException("A key has 8 bytes.", nameof(key));
        return (BinaryPrimitives.ReadUInt64BigEndian(key) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>A continuous wave's draw for one dossier: <see cref="Uniform"/> of the <see cref="Decide"/> key.</summary>
    public static double DecisionDraw(int seed, string agencyCode, string dossierCode) =>
        Uniform(Key(Decide, seed, agencyCode, dossierCode));
}
