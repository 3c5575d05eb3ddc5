namespace ChatSurvey.Domain.Conversations;

/// <summary>
/// The engine's own messages, Vietnamese with diacritics; SMS sends them transliterated, and each transliteration
/// fits one GSM-7 segment (tested).
/// </summary>
internal static class EngineTexts
{
    public const string Help =
        "Hướng dẫn: nhắn số theo gợi ý của mỗi câu (1-5: 1 rất không hài lòng, 5 rất hài lòng). "
        + "LAI: sửa câu trước. 0: bỏ qua câu không bắt buộc. TC: từ chối nhận tin.";

    public const string OptOut =
        "Ông/Bà đã từ chối nhận tin nhắn khảo sát, chúng tôi sẽ không gửi thêm. Nhắn BD nếu muốn nhận lại.";

    public const string OptIn = "Ông/Bà đã đăng ký nhận lại tin nhắn khảo sát. Xin cảm ơn!";

    public const string AlreadyCompleted = "Ông/Bà đã hoàn thành khảo sát này. Xin cảm ơn Ông/Bà đã đóng góp ý kiến!";

    public const string Expired = "Khảo sát đã hết hạn do quá thời gian trả lời. Xin cảm ơn Ông/Bà đã quan tâm.";

    public const string FirstQuestion = "Đây là câu hỏi đầu tiên.";

    public const string MovedOn = "Chưa nhận được câu trả lời hợp lệ, xin chuyển sang câu tiếp theo.";

    public const string Unclear = "Chưa rõ câu trả lời.";

    public const string CannotSkip = "Câu này không thể bỏ qua.";

    internal static IEnumerable<string> All =>
        [Help, OptOut, OptIn, AlreadyCompleted, Expired, FirstQuestion, MovedOn, Unclear, CannotSkip];
}
