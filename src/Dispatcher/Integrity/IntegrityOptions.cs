using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.Dispatcher.Integrity;

/// <summary>The <c>Integrity</c> section: who may be sampled, which ballots are flagged, which flags exclude a ballot.</summary>
public sealed class IntegrityOptions
{
    public const string Section = "Integrity";

    /// <summary>A phone on more than this many dossiers of one agency in a wave's period is not sampled; 0 turns it off.</summary>
    [Range(0, 10_000)]
    public int MaxDossiersPerPhone { get; set; } = 5;
}
