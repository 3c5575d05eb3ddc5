using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text;

namespace ChatSurvey.Dispatcher.Database;

/// <summary>
/// The memory and write-ahead-log settings of the embedded cluster, sized for the machine at each start
/// (<see cref="ForMachine"/>) unless the <c>Storage</c> section names them (<see cref="With"/>), and written to
/// <c>cluster/chatsurvey_memory.conf</c>, which <c>postgresql.conf</c> includes last (docs/decisions/0002-embedded-postgresql.md).
/// Sizes are in kilobytes, PostgreSQL's unit for memory.
/// </summary>
public sealed record PostgresMemorySettings
{
    private const long Kb = 1;
    private const long Mb = 1024 * Kb;
    private const long Gb = 1024 * Mb;

    /// <summary><c>shared_buffers</c>: PostgreSQL's own page cache, allocated at start.</summary>
    public required long SharedBuffersKb { get; init; }

    /// <summary><c>effective_cache_size</c>: how much of the database the planner may assume cached (allocates nothing).</summary>
    public required long EffectiveCacheSizeKb { get; init; }

    /// <summary><c>work_mem</c>: each sort or hash of a query, before it spills to disk.</summary>
    public required long WorkMemKb { get; init; }

    /// <summary><c>maintenance_work_mem</c>: index builds, VACUUM, and the transactions import's sort (its session's work_mem).</summary>
    public required long MaintenanceWorkMemKb { get; init; }

    /// <summary><c>max_wal_size</c>: how much WAL may accumulate between checkpoints (disk, not memory): a bulk load writes once.</summary>
    public required long MaxWalSizeKb { get; init; }

    /// <summary>
    /// PostgreSQL's own defaults: for clusters that must stay small, like the test suites' (several run at once), whatever the machine.
    /// </summary>
    public static PostgresMemorySettings Modest { get; } = new()
    {
        SharedBuffersKb = 128 * Mb,
        EffectiveCacheSizeKb = 4 * Gb,
        WorkMemKb = 4 * Mb,
        MaintenanceWorkMemKb = 64 * Mb,
        MaxWalSizeKb = 1 * Gb,
    };

    /// <summary>
    /// Sized for a machine (or container) with <paramref name="totalMemoryBytes"/> of memory that the cluster shares with
    /// the service: shared_buffers a quarter of it (128MB to 8GB), effective_cache_size half, work_mem a thousandth
    /// (4MB to 64MB: 200 connections may each sort), maintenance_work_mem a sixteenth (64MB to 1GB), max_wal_size 4GB.
    /// </summary>
    public static PostgresMemorySettings ForMachine(long totalMemoryBytes)
    {
        var total = Math.Max(totalMemoryBytes / 1024, 512 * Mb);
        return new PostgresMemorySettings
        {
            SharedBuffersKb = RoundMb(Math.Clamp(total / 4, 128 * Mb, 8 * Gb)),
            EffectiveCacheSizeKb = RoundMb(Math.Max(total / 2, 256 * Mb)),
            WorkMemKb = RoundMb(Math.Clamp(total / 1024, 4 * Mb, 64 * Mb)),
            MaintenanceWorkMemKb = RoundMb(Math.Clamp(total / 16, 64 * Mb, 1 * Gb)),
            MaxWalSizeKb = 4 * Gb,
        };
    }

    /// <summary>The machine's memory as .NET sees it: the container's limit where there is one.</summary>
    public static long MachineMemoryBytes() => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

    /// <summary>These settings with those <paramref name="storage"/> names (validated: <see cref="StorageOptions"/>).</summary>
    public PostgresMemorySettings With(StorageOptions storage)
    {
        ArgumentNullException.ThrowIfNull(storage);
        return this with
        {
            SharedBuffersKb = Parse(storage.SharedBuffers) ?? SharedBuffersKb,
            EffectiveCacheSizeKb = Parse(storage.EffectiveCacheSize) ?? EffectiveCacheSizeKb,
            WorkMemKb = Parse(storage.WorkMem) ?? WorkMemKb,
            MaintenanceWorkMemKb = Parse(storage.MaintenanceWorkMem) ?? MaintenanceWorkMemKb,
            MaxWalSizeKb = Parse(storage.MaxWalSize) ?? MaxWalSizeKb,
        };
    }

    /// <summary>
    /// The settings as <c>postgresql.conf</c> lines, with those that follow from them: min_wal_size (a quarter of
    /// max_wal_size, at most 1GB: segments kept for the next bulk load), checkpoints every 15 minutes at most and spread
    /// over 90% of the interval, wal_buffers sized by PostgreSQL from shared_buffers.
    /// </summary>
    public string ToConfig()
    {
        var minWalSize = Math.Clamp(MaxWalSizeKb / 4, 32 * Mb, 1 * Gb);
        return new StringBuilder()
            .AppendLine("# Written by ChatSurvey at every start of the embedded cluster (Storage section); edits here are lost.")
            .AppendLine("# ALTER SYSTEM (postgresql.auto.conf) still takes precedence.")
            .AppendLine(CultureInfo.InvariantCulture, $"shared_buffers = '{Format(SharedBuffersKb)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"effective_cache_size = '{Format(EffectiveCacheSizeKb)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"work_mem = '{Format(WorkMemKb)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"maintenance_work_mem = '{Format(MaintenanceWorkMemKb)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"max_wal_size = '{Format(MaxWalSizeKb)}'")
            .AppendLine(CultureInfo.InvariantCulture, $"min_wal_size = '{Format(Math.Min(minWalSize, MaxWalSizeKb / 2))}'")
            .AppendLine("checkpoint_timeout = '15min'")
            .AppendLine("checkpoint_completion_target = 0.9")
            .AppendLine("wal_buffers = -1")
            .ToString();
    }

    /// <summary>One line for the log.</summary>
    public override string ToString() =>
        $"shared_buffers {Format(SharedBuffersKb)}, effective_cache_size {Format(EffectiveCacheSizeKb)}, work_mem {Format(WorkMemKb)}, "
        + $"maintenance_work_mem {Format(MaintenanceWorkMemKb)}, max_wal_size {Format(MaxWalSizeKb)}";

    /// <summary>
    /// Reads a size as PostgreSQL writes one: a whole number and a unit, <c>kB</c>, <c>MB</c>, <c>GB</c> or <c>TB</c>
    /// (<c>512MB</c>, <c>2GB</c>; case as PostgreSQL's). False for anything else, a bare number included (its unit would
    /// depend on the setting).
    /// </summary>
    public static bool TryParseKb(string? text, out long kilobytes)
    {
        kilobytes = 0;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || text.Length < 3)
            return false;
        var unit = text[^2..];
        long factor = unit switch
        {
            "kB" => Kb,
            "MB" => Mb,
            "GB" => Gb,
            "TB" => 1024 * Gb,
            _ => 0,
        };
        if (factor == 0
            || !long.TryParse(text[..^2].TrimEnd(), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || number > long.MaxValue / factor)
            return false;
        kilobytes = number * factor;
        return true;
    }

    /// <summary>A size in PostgreSQL's notation, in the largest unit that divides it.</summary>
    public static string Format(long kilobytes) => kilobytes switch
    {
        _ when kilobytes % Gb == 0 => string.Create(CultureInfo.InvariantCulture, $"{kilobytes / Gb}GB"),
        _ when kilobytes % Mb == 0 => string.Create(CultureInfo.InvariantCulture, $"{kilobytes / Mb}MB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{kilobytes}kB"),
    };

    private static long? Parse(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null : TryParseKb(text, out var kilobytes) ? kilobytes : throw new FormatException($"'{text}' is not a size.");

    private static long RoundMb(long kilobytes) => kilobytes / Mb * Mb;
}

/// <summary>
/// A <see cref="StorageOptions"/> size: empty (sized for the machine), or a size PostgreSQL reads
/// (<see cref="PostgresMemorySettings.TryParseKb"/>) from <paramref name="minimumKb"/> to 1TB.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class PostgresSizeAttribute(long minimumKb) : ValidationAttribute
{
    private const long MaximumKb = 1024L * 1024 * 1024;

    public long MinimumKb => minimumKb;

    protected override ValidationResult? IsValid(object? value, ValidationContext validationContext)
    {
        ArgumentNullException.ThrowIfNull(validationContext);
        if (value is not string text || string.IsNullOrWhiteSpace(text))
            return ValidationResult.Success;
        var name = $"{StorageOptions.Section}:{validationContext.MemberName}";
        if (!PostgresMemorySettings.TryParseKb(text, out var kilobytes))
        {
            return new ValidationResult(
                $"{name} must be a size with its unit, like 512MB or 2GB (kB, MB, GB or TB), not '{text}'.", [validationContext.MemberName!]);
        }

        return kilobytes < minimumKb || kilobytes > MaximumKb
            ? new ValidationResult(
                $"{name} must be from {PostgresMemorySettings.Format(minimumKb)} to 1TB, not {text}.", [validationContext.MemberName!])
            : ValidationResult.Success;
    }
}
