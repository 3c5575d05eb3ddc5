using System.Net;
using System.Text;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>An open-data CSV as downloaded: its raw bytes, its header and its rows (read back with CsvHelper).</summary>
internal sealed record OpenDataFile(byte[] Bytes, string? FileName, string? ContentType, IReadOnlyList<string> Columns, IReadOnlyList<string[]> Rows)
{
    /// <summary>The file as text, without its byte order mark.</summary>
    public string Text => Encoding.UTF8.GetString(Bytes).TrimStart('\uFEFF');

    /// <summary>The value of <paramref name="column"/> in <paramref name="row"/>.</summary>
    public string Cell(string[] row, string column)
    {
        var index = Columns.ToList().IndexOf(column);
        Assert.True(index >= 0, $"The file has a column '{column}'.");
        return row[index];
    }

    /// <summary>GETs <paramref name="path"/>, expects 200 and reads the CSV.</summary>
    public static async Task<OpenDataFile> GetAsync(HttpClient client, string path)
    {
        var cancel = TestContext.Current.CancellationToken;
        using var response = await client.GetAsync(path, cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var bytes = await response.Content.ReadAsByteArrayAsync(cancel);
        using var stream = new MemoryStream(bytes);
        await using var csv = CsvHelper.CsvReader.Create(stream, null, leaveOpen: true);
        await csv.ReadHeaderAsync(cancel);
        var columns = csv.Headers.ToList();
        var rows = new List<string[]>();
        while (await csv.ReadAsync(cancel))
            rows.Add(Enumerable.Range(0, columns.Count).Select(i => csv.IsEmpty(i) ? "" : csv.GetString(i)).ToArray());
        return new OpenDataFile(bytes, response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName,
            response.Content.Headers.ContentType?.ToString(), columns, rows);
    }
}
