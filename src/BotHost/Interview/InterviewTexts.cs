namespace ChatSurvey.BotHost.Interview;

/// <summary>Why a dossier (or a paper serial) cannot take a ballot now; nothing is stored.</summary>
public enum InterviewRefusal
{
    AgencyNotAssigned,
    CodeMissing,
    CodeTooLong,
    SerialMissing,
    SerialInvalid,
    DossierUnknown,
    NotCollecting,
    Excluded,
    AlreadyAnswered,
    Invited,
    SerialTaken,
}

/// <summary>The interview pages' own Vietnamese texts: the consent line read aloud and each refusal, for the volunteer.</summary>
public static class InterviewTexts
{
    /// <summary>Read aloud before the first question; the citizen's yes starts the interview.</summary>
    public static string Consent(string agencyName) =>
        $"Xin chào Ông/Bà. Tôi là tình nguyện viên Đoàn Thanh niên, hỗ trợ Sở Nội vụ thành phố Hải Phòng lấy ý kiến "
        + $"người dân về thủ tục Ông/Bà vừa giải quyết tại {agencyName}. Cuộc trao đổi mất vài phút. Ông/Bà có thể từ chối "
        + "hoặc dừng bất cứ lúc nào; câu trả lời được giữ kín, không ghi tên và không ảnh hưởng đến hồ sơ của Ông/Bà. "
        + "Ông/Bà có đồng ý trả lời không?";

    public const string Saved = "Đã lưu phiếu";

    public const string Expired = "Phiếu này đã hết hạn vì lâu không được tiếp tục; các câu đã trả lời vẫn được lưu, nhưng phiếu không được tính.";

    public const string Unclear = "Chưa rõ câu trả lời. Vui lòng chọn hoặc nhập lại.";

    public static string Refusal(InterviewRefusal refusal, string? code = null, string? agencyName = null, string? serial = null) => refusal switch
    {
        InterviewRefusal.AgencyNotAssigned => "Vui lòng chọn một cơ quan được phân công cho bạn.",
        InterviewRefusal.CodeMissing => "Vui lòng nhập Mã hồ sơ in trên giấy hẹn trả kết quả.",
        InterviewRefusal.CodeTooLong => "Mã hồ sơ quá dài. Vui lòng kiểm tra lại mã trên giấy hẹn trả kết quả.",
        InterviewRefusal.SerialMissing => "Vui lòng nhập số phiếu in trên phiếu giấy.",
        InterviewRefusal.SerialInvalid =>
            $"Số phiếu chỉ gồm chữ, số và các dấu . / - (tối đa {PaperSerial.MaxLength} ký tự), bắt đầu bằng chữ hoặc số.",
        InterviewRefusal.DossierUnknown =>
            $"Không tìm thấy hồ sơ có mã {code} tại {agencyName}. Vui lòng kiểm tra lại mã trên giấy hẹn và cơ quan đã chọn.",
        InterviewRefusal.NotCollecting =>
            $"Hồ sơ {code} không có ngày trả kết quả trong kỳ của đợt khảo sát nào đang chạy tại {agencyName}, nên chưa thể lấy phiếu.",
        InterviewRefusal.Excluded =>
            $"Hồ sơ {code} không thuộc diện khảo sát: số điện thoại khai trên hồ sơ thuộc danh sách cán bộ của cơ quan "
            + "hoặc đứng tên quá nhiều hồ sơ.",
        InterviewRefusal.AlreadyAnswered =>
            $"Hồ sơ {code} đã có phiếu khảo sát trong đợt này (qua SMS, web hoặc phỏng vấn). Mỗi hồ sơ chỉ được đánh giá "
            + "một lần, nên không ghi thêm phiếu.",
        InterviewRefusal.Invited =>
            $"Hồ sơ {code} đã được chọn mẫu và mời khảo sát qua tin nhắn SMS trong đợt này. Người dân trả lời theo tin nhắn "
            + "mời, nên không ghi phiếu phỏng vấn.",
        InterviewRefusal.SerialTaken =>
            $"Số phiếu {serial} đã được nhập trong đợt này. Mỗi phiếu giấy chỉ được nhập một lần; vui lòng kiểm tra lại số phiếu.",
        _ => throw new ArgumentOutOfRangeException(nameof(refusal), refusal, "Unknown refusal."),
    };
}
