using System.Net;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages;

/// <summary>Posting a page's form as a browser does (its antiforgery token, its field names), and reading the answer.</summary>
internal static partial class PageForms
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>GETs <paramref name="page"/> for a fresh token, then posts the fields to <paramref name="action"/> (default: the page).</summary>
    public static async Task<HttpResponseMessage> PostFormAsync(
        this HttpClient client, string page, IEnumerable<(string Name, string? Value)> fields, string? action = null)
    {
        var token = AdminSignIn.AntiforgeryToken(await client.GetStringAsync(page, Cancel));
        using var content = new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value ?? "")).Prepend(new("__RequestVerificationToken", token)));
        return await client.PostAsync(action ?? page, content, Cancel);
    }

    /// <summary>Posts the fields to <paramref name="action"/> with the antiforgery token of a page already fetched.</summary>
    public static Task<HttpResponseMessage> SubmitFormAsync(
        this HttpClient client, string action, string pageHtml, params (string Name, string Value)[] fields) =>
        client.PostAsync(action, new FormUrlEncodedContent(
            fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))
                .Prepend(new("__RequestVerificationToken", AdminSignIn.AntiforgeryToken(pageHtml)))), Cancel);

    /// <summary>The page as text, entities decoded, so assertions read like the screen.</summary>
    public static async Task<string> ReadPageAsync(this HttpResponseMessage response) =>
        WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync(Cancel));

    public static async Task<string> GetPageAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadPageAsync();
    }

    /// <summary>The error shown beside the input named <paramref name="field"/> (<c>asp-validation-for</c>), or "".</summary>
    public static string FieldError(string html, string field)
    {
        var match = Regex.Match(html, $"""data-valmsg-for="{Regex.Escape(field)}"[^>]*>(?<text>[^<]*)<""");
        return match.Success ? match.Groups["text"].Value.Trim() : "";
    }

    /// <summary>The text of each row of the table with this id, cells joined by " | ".</summary>
    public static IReadOnlyList<string> TableRows(string html, string tableId)
    {
        var table = Regex.Match(html, $"""<table[^>]*id="{Regex.Escape(tableId)}"[^>]*>.*?<tbody>(?<body>.*?)</tbody>""", RegexOptions.Singleline);
        Assert.True(table.Success, $"The page has table #{tableId}.");
        return [.. Row().Matches(table.Groups["body"].Value).Select(row => string.Join(" | ",
            Cell().Matches(row.Groups["cells"].Value).Select(cell => Spaces().Replace(Tag().Replace(cell.Groups["text"].Value, ""), " ").Trim())))];
    }

    [GeneratedRegex("<tr[^>]*>(?<cells>.*?)</tr>", RegexOptions.Singleline)]
    private static partial Regex Row();

    [GeneratedRegex("<td[^>]*>(?<text>.*?)</td>", RegexOptions.Singleline)]
    private static partial Regex Cell();

    [GeneratedRegex("<[^>]+>")]
    private static partial Regex Tag();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}
