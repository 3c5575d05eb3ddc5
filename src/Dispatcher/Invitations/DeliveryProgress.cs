using ChatSurvey.Domain.Statuses;

namespace ChatSurvey.Dispatcher.Invitations;

/// <summary>
/// How far a message has got, defined once: each provider status (Twilio's <c>MessageStatus</c>; the simulator uses the
/// same words) has a rank and, for the ranks past "queued", the invitation status it leads to. Status callbacks arrive in
/// any order, so one only moves an invitation forward: queued &lt; sent &lt; delivered = failed (a late "sent" never
/// overwrites "delivered"). An invitation status ranks as the provider statuses that lead to it; the others rank 0.
/// </summary>
public static class DeliveryProgress
{
    private static readonly Dictionary<string, (int Rank, string? InvitationStatus)> ProviderStatuses = new(StringComparer.Ordinal)
    {
        ["accepted"] = (1, null),
        ["scheduled"] = (1, null),
        ["queued"] = (1, null),
        ["sending"] = (1, null),
        ["sent"] = (2, InvitationStatus.Sent),
        ["delivered"] = (3, InvitationStatus.Delivered),
        ["read"] = (3, InvitationStatus.Delivered),
        ["undelivered"] = (3, InvitationStatus.Failed),
        ["failed"] = (3, InvitationStatus.Failed),
        ["canceled"] = (3, InvitationStatus.Failed),
    };

    /// <summary>Whether <paramref name="providerStatus"/> (lower case) is a status the provider reports.</summary>
    public static bool IsKnown(string providerStatus) => ProviderStatuses.ContainsKey(providerStatus);

    /// <summary>The rank of a provider status.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a known provider status.</exception>
    public static int Rank(string providerStatus) => Known(providerStatus).Rank;

    /// <summary>The invitation status a provider status leads to, or null when it says nothing yet (queued and the like).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a known provider status.</exception>
    public static string? InvitationStatusFor(string providerStatus) => Known(providerStatus).InvitationStatus;

    /// <summary>
    /// The invitation statuses at <paramref name="rank"/> or beyond: an invitation in one of them is not moved by a provider
    /// status of that rank.
    /// </summary>
    public static string[] InvitationStatusesAtOrBeyond(int rank) =>
        ProviderStatuses.Values.Where(s => s.InvitationStatus is not null && s.Rank >= rank)
            .Select(s => s.InvitationStatus!).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>
    /// The status of an invitation the provider has just accepted: delivered when the provider already says so (the
    /// simulator, some providers), else sent; a status callback may still follow.
    /// </summary>
    public static string StatusAfterSend(string providerStatus) =>
        IsKnown(providerStatus) && InvitationStatusFor(providerStatus) == InvitationStatus.Delivered
            ? InvitationStatus.Delivered
            : InvitationStatus.Sent;

    private static (int Rank, string? InvitationStatus) Known(string providerStatus) =>
        ProviderStatuses.TryGetValue(providerStatus, out var known)
            ? known
            : throw new ArgumentOutOfRangeException(nameof(providerStatus), providerStatus, "Not a provider message status.");
}
