namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>invitations.status</c>. Planned → claimed (a batch holds it for the provider call) → sent → delivered; or failed,
/// cancelled, expired, opted out. Kept in step with the <c>invitations_status_known</c> CHECK by a test.
/// </summary>
public static class InvitationStatus
{
    public const string Planned = "planned";
    public const string Claimed = "claimed";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
    public const string Cancelled = "cancelled";
    public const string Expired = "expired";
    public const string OptedOut = "opted_out";

    public static IReadOnlyList<string> All { get; } = [Planned, Claimed, Sent, Delivered, Failed, Cancelled, Expired, OptedOut];

    /// <summary>
    /// The statuses in which a reply or the personal link still answers the invitation (with its expiry not passed):
    /// claimed counts too, since a citizen may answer between the provider's acceptance and the stored message id.
    /// </summary>
    public const string AnswerableSql = $"'{Claimed}', '{Sent}', '{Delivered}'";
}
