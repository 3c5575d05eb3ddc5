namespace ChatSurvey.Domain.Sms;

/// <summary>The data coding an SMS is sent with (3GPP TS 23.038).</summary>
public enum SmsEncoding
{
    /// <summary>The GSM 7-bit default alphabet plus its extension table: 160 septets in one segment, 153 per segment when split.</summary>
    Gsm7,

    /// <summary>UCS-2 (UTF-16 on the wire): 70 code units in one segment, 67 per segment when split.</summary>
    Ucs2,
}

/// <summary>How an SMS text is encoded and what it costs.</summary>
/// <param name="Encoding"><see cref="SmsEncoding.Gsm7"/> when every character is in GSM-7, otherwise <see cref="SmsEncoding.Ucs2"/>.</param>
/// <param name="Units">
/// GSM-7 septets (extension-table characters count 2) or, for UCS-2, UTF-16 code units (a surrogate pair counts 2);
/// always of the NFC-normalised text.
/// </param>
/// <param name="Segments">
/// Number of SMS parts the text is sent as; 0 only for the empty text, 1 while <paramref name="Units"/> fits one
/// segment, and always equal to <c>Gsm7.Split(text).Count</c>.
/// </param>
public readonly record struct SmsMeasure(SmsEncoding Encoding, int Units, int Segments);
