using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.Dispatcher.Database;

/// <summary>The <c>Storage</c> section: where the embedded PostgreSQL lives when no connection string is set.</summary>
public sealed class StorageOptions
{
    public const string Section = "Storage";

    /// <summary>Folder of the embedded cluster, relative to the content root. Default <c>.data/</c>.</summary>
    [Required]
    public string LocalDataDir { get; set; } = ".data";

    /// <summary>Seed Hai Phong's agencies and the demo procedures on start (adds only what is missing).</summary>
    public bool SeedDemoData { get; set; } = true;

    // The embedded cluster's memory (PostgresMemorySettings): empty sizes it for the machine at each start; a size with
    // its unit ("2GB", "512MB") sets it. Ignored with ConnectionStrings:Survey (that server has its own settings).

    /// <summary><c>shared_buffers</c>; default a quarter of the machine's memory, 128MB to 8GB.</summary>
    [PostgresSize(16 * 1024)]
    public string? SharedBuffers { get; set; }

    /// <summary><c>effective_cache_size</c>; default half the machine's memory.</summary>
    [PostgresSize(8 * 1024)]
    public string? EffectiveCacheSize { get; set; }

    /// <summary><c>work_mem</c>; default a thousandth of the machine's memory, 4MB to 64MB.</summary>
    [PostgresSize(64)]
    public string? WorkMem { get; set; }

    /// <summary><c>maintenance_work_mem</c> (also the transactions import's sort); default a sixteenth of the machine's memory, 64MB to 1GB.</summary>
    [PostgresSize(1024)]
    public string? MaintenanceWorkMem { get; set; }

    /// <summary><c>max_wal_size</c> (disk); default 4GB.</summary>
    [PostgresSize(64 * 1024)]
    public string? MaxWalSize { get; set; }
}
