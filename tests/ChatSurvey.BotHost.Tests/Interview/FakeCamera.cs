using QRCoder;

namespace ChatSurvey.BotHost.Tests.Interview;

/// <summary>
/// A film for Chromium's fake camera (<c>--use-file-for-fake-video-capture</c>): a still QR code, black on white, in
/// YUV4MPEG2 (4:2:0), which Chromium plays in a loop.
/// </summary>
internal static class FakeCamera
{
    private const int Width = 640;
    private const int Height = 480;

    /// <summary>Writes the film of <paramref name="text"/>'s QR code to <paramref name="fileName"/> in the temp folder; answers its path.</summary>
    public static string Write(string fileName, string text)
    {
        using var generator = new QRCodeGenerator();
        using var code = generator.CreateQrCode(text, QRCodeGenerator.ECCLevel.M);
        var modules = code.ModuleMatrix; // with its quiet zone
        var scale = Math.Min(Width, Height) / modules.Count;
        var (left, top) = ((Width - modules.Count * scale) / 2, (Height - modules.Count * scale) / 2);

        var luma = new byte[Width * Height];
        Array.Fill(luma, (byte)235);
        for (var y = 0; y < modules.Count * scale; y++)
        {
            for (var x = 0; x < modules.Count * scale; x++)
            {
                if (modules[y / scale][x / scale])
                    luma[((top + y) * Width) + left + x] = 16;
            }
        }

        var chroma = new byte[Width / 2 * (Height / 2)];
        Array.Fill(chroma, (byte)128);
        var path = Path.Combine(Path.GetTempPath(), fileName);
        using var file = File.Create(path);
        var header = System.Text.Encoding.ASCII.GetBytes($"YUV4MPEG2 W{Width} H{Height} F10:1 Ip A1:1 C420jpeg\n");
        file.Write(header);
        for (var frame = 0; frame < 10; frame++)
        {
            file.Write("FRAME\n"u8);
            file.Write(luma);
            file.Write(chroma);
            file.Write(chroma);
        }

        return path;
    }
}
