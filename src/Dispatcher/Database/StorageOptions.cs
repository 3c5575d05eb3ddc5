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
}
