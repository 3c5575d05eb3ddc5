namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// The dossier fields of the national public service portal's one-stop-shop synchronisation, as the integration API
/// takes them (<c>POST /api/integrations/dossiers</c>) and as export headers may name them, each with the transaction
/// field it fills (<see cref="TransactionFields"/>).
/// </summary>
public static class PortalFields
{
    public const string MaHoSo = "MaHoSo";
    public const string MaTthc = "MaTTHC";
    public const string TenTthc = "TenTTHC";
    public const string MaDonVi = "MaDonVi";
    public const string SoDienThoai = "SoDienThoai";
    public const string ChuHoSo = "ChuHoSo";
    public const string LoaiDoiTuong = "LoaiDoiTuong";
    public const string NgayTiepNhan = "NgayTiepNhan";
    public const string NgayHenTra = "NgayHenTra";
    public const string NgayTra = "NgayTra";
    public const string TrangThaiHoSo = "TrangThaiHoSo";

    /// <summary>Each transaction field's portal name.</summary>
    public static IReadOnlyDictionary<string, string> ByField { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [TransactionFields.DossierCode] = MaHoSo,
        [TransactionFields.AgencyCode] = MaDonVi,
        [TransactionFields.ProcedureCode] = MaTthc,
        [TransactionFields.Phone] = SoDienThoai,
        [TransactionFields.ResultDate] = NgayTra,
        [TransactionFields.ApplicantName] = ChuHoSo,
        [TransactionFields.ApplicantType] = LoaiDoiTuong,
        [TransactionFields.ProcedureName] = TenTthc,
        [TransactionFields.ReceivedOn] = NgayTiepNhan,
        [TransactionFields.DueOn] = NgayHenTra,
        [TransactionFields.DossierStatus] = TrangThaiHoSo,
    };

    /// <summary>The portal's name of a transaction field (a rejected row's field as the integration reports it).</summary>
    public static string Of(string field) => ByField.TryGetValue(field, out var name) ? name : field;
}
