namespace ChatSurvey.TestSupport.Twilio;

/// <summary>How many SMS segments Twilio bills for a body: GSM-7 (160, or 153 per part) unless one character is outside it, then UCS-2 (70, or 67).</summary>
internal static class SmsSegments
{
    private const string Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string Extension = "\f^{}\\[~]|€";

    public static int Count(string body)
    {
        var septets = 0;
        foreach (var c in body)
        {
            if (Basic.Contains(c, StringComparison.Ordinal))
                septets++;
            else if (Extension.Contains(c, StringComparison.Ordinal))
                septets += 2;
            else
                return body.Length <= 70 ? 1 : (body.Length + 66) / 67;
        }

        return septets <= 160 ? 1 : (septets + 152) / 153;
    }
}
