using System.Net;
using System.Text.RegularExpressions;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace ChatSurvey.BotHost.Tests.Pages;

/// <summary>
/// A server-rendered page parsed with AngleSharp, as a browser would build it: tests find elements with CSS selectors
/// and read their text as the screen shows it, instead of matching markup with regular expressions.
/// </summary>
internal sealed partial class HtmlPage
{
    private static readonly HtmlParser Parser = new();

    private HtmlPage(string source, IDocument document)
    {
        Source = source;
        Document = document;
    }

    /// <summary>The HTML as served: for checks that must cover attributes and scripts too (no personal data anywhere).</summary>
    public string Source { get; }

    public IDocument Document { get; }

    /// <summary>The text of the body, whitespace collapsed: what a reader sees.</summary>
    public string Text => Document.Body!.Text();

    public static HtmlPage Parse(string html) => new(html, Parser.ParseDocument(html));

    /// <summary>GETs <paramref name="path"/>, asserts 200 (showing the start of the page otherwise) and parses it.</summary>
    public static async Task<HtmlPage> GetOkAsync(HttpClient client, string path)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var response = await client.GetAsync(path, cancel);
        var html = await response.Content.ReadAsStringAsync(cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {html[..Math.Min(html.Length, 500)]}");
        return Parse(html);
    }

    /// <summary>Parses a response whatever its status.</summary>
    public static async Task<HtmlPage> ReadAsync(HttpResponseMessage response) =>
        Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));

    /// <summary>The one element matching <paramref name="selector"/>.</summary>
    public IElement One(string selector) => Document.One(selector);

    /// <summary>Every element matching <paramref name="selector"/>, in document order.</summary>
    public IReadOnlyList<IElement> All(string selector) => [.. Document.QuerySelectorAll(selector)];

    /// <summary>Collapses runs of whitespace to one space and trims.</summary>
    public static string Collapse(string text) => Spaces().Replace(text, " ").Trim();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();
}

internal static class HtmlNodes
{
    /// <summary>The one element under <paramref name="scope"/> matching <paramref name="selector"/>; fails when none or several do.</summary>
    public static IElement One(this IParentNode scope, string selector)
    {
        var found = scope.QuerySelectorAll(selector);
        Assert.True(found.Length == 1, $"Expected one element matching {selector}, found {found.Length}.");
        return found[0];
    }

    /// <summary>The text of the node, whitespace collapsed (entities decoded, tags gone).</summary>
    public static string Text(this INode node) => HtmlPage.Collapse(node.TextContent);

    /// <summary>The value of the attribute, failing when the element lacks it.</summary>
    public static string Attribute(this IElement element, string name)
    {
        var value = element.GetAttribute(name);
        Assert.True(value is not null, $"<{element.LocalName}> has no {name} attribute: {element.OuterHtml}");
        return value!;
    }
}
