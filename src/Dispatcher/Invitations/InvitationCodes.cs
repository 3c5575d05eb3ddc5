using System.Security.Cryptography;

namespace ChatSurvey.Dispatcher.Invitations;

/// <summary>Invitation codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), ~50 bits.</summary>
public static class InvitationCodes
{
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 10);
}
