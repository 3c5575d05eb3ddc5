using System.Text;
using System.Text.Encodings.Web;

namespace ChatSurvey.BotHost.WebChat;

/// <summary>
/// The citizen-facing pages: the chat (Microsoft Web Chat served from <c>/webchat/</c>, never a CDN) and the
/// friendly pages for links that cannot be opened. Pages carry no personal data: only codes and agency names.
/// </summary>
internal static class WebChatPages
{
    private const string Title = "Khảo sát sự hài lòng — Thành phố Hải Phòng";

    /// <summary>The chat page; exactly one of the codes is set.</summary>
    public static string Chat(string? invitationCode, string? agencyCode, string? agencyName, bool embedded)
    {
        var attributes = new StringBuilder();
        if (invitationCode is not null)
            attributes.Append($" data-invitation-code=\"{Encode(invitationCode)}\"");
        if (agencyCode is not null)
            attributes.Append($" data-agency-code=\"{Encode(agencyCode)}\"");
        var subtitle = agencyName is null ? "Ý kiến của Ông/Bà giúp cơ quan phục vụ tốt hơn" : Encode(agencyName);
        return Layout(
            $$"""
            <main class="chat" id="chat"{{attributes}}>
              <div id="webchat" role="main" aria-label="Khảo sát trực tuyến"></div>
              <p class="chat-status" id="chat-status" hidden></p>
            </main>
            <script src="/webchat/webchat.js"></script>
            <script src="/webchat/chat.js"></script>
            """,
            subtitle, embedded);
    }

    public static string Refusal(EntryRefusal refusal)
    {
        var (heading, text) = refusal switch
        {
            EntryRefusal.Expired => ("Đường dẫn khảo sát đã hết hạn",
                "Thời gian trả lời khảo sát cho hồ sơ này đã kết thúc. Cảm ơn Ông/Bà đã quan tâm."),
            EntryRefusal.AnsweredBySms => ("Ông/Bà đang trả lời khảo sát qua tin nhắn",
                "Khảo sát này đã được trả lời qua tin nhắn SMS. Ông/Bà vui lòng tiếp tục trả lời bằng tin nhắn."),
            EntryRefusal.UnknownAgency => ("Không tìm thấy cơ quan",
                "Mã cơ quan trong đường dẫn không đúng. Ông/Bà vui lòng quét lại mã QR tại Bộ phận Một cửa."),
            EntryRefusal.AgencyRetired => ("Cơ quan này không còn nhận khảo sát",
                "Cơ quan đã giải thể hoặc sáp nhập vào cơ quan khác, nên không còn nhận ý kiến khảo sát qua mã này. "
                + "Ông/Bà vui lòng quét mã QR của cơ quan đã giải quyết hồ sơ, hoặc chọn cơ quan tại trang khảo sát."),
            _ => ("Không tìm thấy khảo sát",
                "Đường dẫn không đúng hoặc không còn hiệu lực. Ông/Bà vui lòng kiểm tra lại đường dẫn trong tin nhắn."),
        };
        return Layout(
            $"""
            <main class="notice">
              <h2>{Encode(heading)}</h2>
              <p>{Encode(text)}</p>
            </main>
            """,
            null, embedded: false);
    }

    /// <summary>The chat without a code: the citizen picks the agency that handled the procedure.</summary>
    public static string ChooseAgency(IReadOnlyList<(string Code, string Name)> agencies)
    {
        var options = string.Join("\n", agencies.Select(a => $"""      <option value="{Encode(a.Code)}">{Encode(a.Name)}</option>"""));
        return Layout(
            $"""
            <main class="notice">
              <h2>Chọn cơ quan đã giải quyết hồ sơ của Ông/Bà</h2>
              <form method="get" action="/chat">
                <select name="agency" required aria-label="Cơ quan">
            {options}
                </select>
                <button type="submit">Bắt đầu khảo sát</button>
              </form>
            </main>
            """,
            null, embedded: false);
    }

    public static string Counter(string agencyCode, string agencyName, string chatUrl) => Layout(
        $"""
        <main class="notice counter">
          <h2>{Encode(agencyName)}</h2>
          <p>Quét mã QR để đánh giá sự hài lòng về thủ tục hành chính vừa thực hiện.</p>
          <p class="receipt">Ông/Bà vui lòng giữ giấy hẹn trả kết quả bên mình: Mã hồ sơ in trên giấy hẹn giúp xác minh
          để ý kiến được tính vào kết quả chính thức.</p>
          <img src="/chat/qr/{Encode(agencyCode)}.png" alt="Mã QR khảo sát" width="320" height="320">
          <p class="link">{Encode(chatUrl)}</p>
        </main>
        """,
        null, embedded: false);

    private static string Layout(string body, string? subtitle, bool embedded) =>
        $$"""
        <!DOCTYPE html>
        <html lang="vi">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <meta name="referrer" content="no-referrer">
          <title>{{Title}}</title>
          <link rel="stylesheet" href="/webchat/chat.css">
        </head>
        <body class="{{(embedded ? "embedded" : "page")}}">
          <header class="banner">
            <div class="emblem" aria-hidden="true">HP</div>
            <div>
              <h1>Khảo sát sự hài lòng của người dân, tổ chức</h1>
              <p>{{subtitle ?? "Ủy ban nhân dân thành phố Hải Phòng"}}</p>
            </div>
          </header>
        {{body}}
        </body>
        </html>
        """;

    private static string Encode(string value) => HtmlEncoder.Default.Encode(value);
}
