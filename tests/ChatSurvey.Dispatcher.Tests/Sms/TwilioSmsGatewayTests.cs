using System.Diagnostics;
using System.Net;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Twilio.Security;

namespace ChatSurvey.Dispatcher.Tests.Sms;

/// <summary>The Twilio gateway, through the Twilio SDK, against the local Twilio fake (never the real API).</summary>
public sealed class TwilioSmsGatewayTests : IAsyncLifetime
{
    private const string Citizen = "+84912345678";
    private const string MaskedCitizen = "+8491*****78";
    private const string Sender = "+15005550006";

    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 3, 2, 1, 30, 0, TimeSpan.Zero));
    private readonly RecordingLoggerProvider _logs = new();
    private readonly List<IHost> _hosts = [];
    private TwilioFake _fake = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        _fake = await TwilioFake.StartAsync(new TwilioFakeOptions { TimeProvider = _clock, MaxPageSize = 2 }, Ct);

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _hosts)
            host.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task SendAsync_Should_HandTheMessageToTwilio_When_Accepted()
    {
        var callback = new Uri("http://127.0.0.1:5080/api/sms/twilio/status");

        var result = await Gateway().SendAsync(new SmsMessage(Citizen, "Moi ong/ba danh gia dich vu. Tra loi 1-5.", callback), Ct);

        Assert.Matches("^SM[0-9a-f]{32}$", result.ProviderMessageId);
        Assert.Equal("queued", result.Status);
        var stored = Assert.Single(_fake.Messages);
        Assert.Equal(result.ProviderMessageId, stored.Sid);
        Assert.Equal(Citizen, stored.To);
        Assert.Equal(Sender, stored.From);
        Assert.Null(stored.MessagingServiceSid);
        Assert.Equal("Moi ong/ba danh gia dich vu. Tra loi 1-5.", stored.Body);
        Assert.Equal(callback.ToString(), stored.StatusCallback);
        Assert.Equal(1, _fake.AcceptedCount);
    }

    [Fact]
    public async Task SendAsync_Should_UseTheMessagingService_When_NoFromIsConfigured()
    {
        const string service = "MG0123456789abcdef0123456789abcdef";
        var gateway = Gateway(_fake.ConfigurationValues(from: null, messagingServiceSid: service));

        var result = await gateway.SendAsync(new SmsMessage(Citizen, "Xin chao"), Ct);

        var stored = Assert.Single(_fake.Messages);
        Assert.Equal(service, stored.MessagingServiceSid);
        Assert.Null(stored.From);
        Assert.Null(stored.StatusCallback);
        Assert.Equal("accepted", result.Status);
    }

    [Fact]
    public async Task ListSentAsync_Should_ReadBackMessagesToThatPhoneSinceTheTime_When_SeveralWereSent()
    {
        var gateway = Gateway();
        await gateway.SendAsync(new SmsMessage(Citizen, "before"), Ct);
        _clock.Advance(TimeSpan.FromHours(1));
        var since = _clock.GetUtcNow();
        var first = await gateway.SendAsync(new SmsMessage(Citizen, "first"), Ct);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var second = await gateway.SendAsync(new SmsMessage(Citizen, "second"), Ct);
        await gateway.SendAsync(new SmsMessage("+84987654321", "someone else"), Ct);

        var listed = await gateway.ListSentAsync(Citizen, since, Ct);

        Assert.Equal(
            [
                new SentSms(second.ProviderMessageId, Citizen, "second", "queued", since.AddMinutes(1)),
                new SentSms(first.ProviderMessageId, Citizen, "first", "queued", since),
            ],
            listed);
    }

    [Fact]
    public async Task ListSentAsync_Should_FollowTwilioPaging_When_MoreMessagesThanAPage()
    {
        var gateway = Gateway();
        var since = _clock.GetUtcNow();
        var sids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            sids.Add((await gateway.SendAsync(new SmsMessage(Citizen, $"message {i}"), Ct)).ProviderMessageId);
            _clock.Advance(TimeSpan.FromSeconds(1));
        }

        var listed = await gateway.ListSentAsync(Citizen, since, Ct);

        Assert.Equal(Enumerable.Reverse(sids), listed.Select(m => m.ProviderMessageId));
        Assert.Equal(5 + 3, _fake.RequestCount); // five sends, then three pages of at most two
    }

    [Theory]
    [InlineData(429, 20429)]
    [InlineData(500, 20500)]
    [InlineData(503, 20503)]
    public async Task SendAsync_Should_ThrowRetryable_When_TwilioIsBusy(int httpStatus, int code)
    {
        var gateway = Gateway();
        _fake.FailNext(1, httpStatus);

        var error = await Assert.ThrowsAsync<SmsSendException>(() => gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct));

        Assert.True(error.Retryable);
        Assert.Equal(httpStatus, error.HttpStatus);
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), error.ProviderCode);
        Assert.Empty(_fake.Messages);
        // The fault was for one request only: the retry goes through.
        await gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct);
        Assert.Single(_fake.Messages);
    }

    [Fact]
    public async Task SendAsync_Should_ThrowFinalWithProviderCode_When_RecipientUnsubscribed()
    {
        _fake.BlockNumber(Citizen, 21610);

        var error = await Assert.ThrowsAsync<SmsSendException>(() => Gateway().SendAsync(new SmsMessage(Citizen, "hello"), Ct));

        Assert.False(error.Retryable);
        Assert.Equal(SmsErrorCodes.Unsubscribed, error.ProviderCode);
        Assert.Equal(400, error.HttpStatus);
        Assert.Contains(MaskedCitizen, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Citizen, error.Message, StringComparison.Ordinal);
        Assert.Empty(_fake.Messages);
    }

    [Fact]
    public async Task SendAsync_Should_ThrowFinal_When_ToIsNotAPhoneNumber()
    {
        var error = await Assert.ThrowsAsync<SmsSendException>(() => Gateway().SendAsync(new SmsMessage("+12", "hello"), Ct));

        Assert.False(error.Retryable);
        Assert.Equal(SmsErrorCodes.InvalidTo, error.ProviderCode);
    }

    [Fact]
    public async Task SendAsync_Should_ThrowFinal_When_AuthTokenIsWrong()
    {
        var gateway = Gateway(_fake.ConfigurationValues().With("Twilio:AuthToken", "not-the-token"));

        var error = await Assert.ThrowsAsync<SmsSendException>(() => gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct));

        Assert.False(error.Retryable);
        Assert.Equal(401, error.HttpStatus);
        Assert.Equal("20003", error.ProviderCode);
        Assert.Empty(_fake.Messages);
    }

    [Fact]
    public async Task SendAsync_Should_ThrowRetryable_When_TwilioIsUnreachable()
    {
        Uri closed;
        await using (var gone = await TwilioFake.StartAsync(cancellationToken: Ct))
            closed = gone.BaseUrl;
        var gateway = Gateway(_fake.ConfigurationValues().With("Twilio:ApiBaseUrl", closed.ToString()));

        var error = await Assert.ThrowsAsync<SmsSendException>(() => gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct));

        Assert.True(error.Retryable);
        Assert.Null(error.HttpStatus);
        Assert.Null(error.ProviderCode);
    }

    [Fact]
    public async Task SendAsync_Should_ThrowRetryableWithHttpStatus_When_AProxyAnswersWithoutTwilioJson()
    {
        _fake.FailNextWithBody(1, 502, "text/html", "<html><body>502 Bad Gateway</body></html>");

        var error = await Assert.ThrowsAsync<SmsSendException>(() => Gateway().SendAsync(new SmsMessage(Citizen, "hello"), Ct));

        Assert.True(error.Retryable);
        Assert.Equal(502, error.HttpStatus);
        Assert.Null(error.ProviderCode);
    }

    [Fact]
    public async Task SendAsync_Should_ThrowRetryable_When_TwilioDoesNotAnswerInTime()
    {
        _fake.Delay = TimeSpan.FromSeconds(10);
        var gateway = Gateway(_fake.ConfigurationValues().With("Twilio:RequestTimeout", "00:00:00.300"));
        var clock = Stopwatch.StartNew();

        var error = await Assert.ThrowsAsync<SmsSendException>(() => gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct));

        Assert.True(error.Retryable);
        Assert.Null(error.HttpStatus);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task SendAsync_Should_StopWaiting_When_TheCallerCancels()
    {
        _fake.Delay = TimeSpan.FromSeconds(10);
        var gateway = Gateway();
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));
        var clock = Stopwatch.StartNew();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gateway.SendAsync(new SmsMessage(Citizen, "hello"), cancel.Token));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task ListSentAsync_Should_FindTheMessage_When_TwilioAcceptedItButTheAnswerWasLost()
    {
        var gateway = Gateway();
        var since = _clock.GetUtcNow();
        _fake.FailNextAfterAccepting(1, 500);

        var error = await Assert.ThrowsAsync<SmsSendException>(() => gateway.SendAsync(new SmsMessage(Citizen, "invitation"), Ct));
        var listed = await gateway.ListSentAsync(Citizen, since, Ct);

        Assert.True(error.Retryable);
        var found = Assert.Single(listed);
        Assert.Equal(Assert.Single(_fake.Messages).Sid, found.ProviderMessageId);
        Assert.Equal("invitation", found.Body);
    }

    [Fact]
    public async Task StatusCallback_Should_CarryASignatureTwilioRequestValidatorAccepts_When_TheFakeReportsDelivery()
    {
        await using var receiver = await WebhookRecorder.StartAsync(Ct);
        var callback = receiver.Url("/api/sms/twilio/status?invitation=42");
        var sent = await Gateway().SendAsync(new SmsMessage(Citizen, "hello", callback), Ct);

        var answered = await _fake.SendStatusCallbackAsync(sent.ProviderMessageId, "delivered", cancellationToken: Ct);

        Assert.Equal(HttpStatusCode.OK, answered);
        var post = Assert.Single(receiver.Received);
        Assert.Equal(callback.ToString(), post.Url);
        var form = post.Form.ToDictionary(f => f.Key, f => f.Value);
        Assert.Equal(sent.ProviderMessageId, form["MessageSid"]);
        Assert.Equal("delivered", form["MessageStatus"]);
        Assert.Equal(Citizen, form["To"]);
        Assert.Equal(Sender, form["From"]);
        Assert.Equal(_fake.AccountSid, form["AccountSid"]);
        Assert.Equal("2010-04-01", form["ApiVersion"]);
        Assert.False(form.ContainsKey("ErrorCode"));
        var signature = post.Header(TwilioSignature.HeaderName);
        Assert.NotNull(signature);
        Assert.True(new RequestValidator(_fake.AuthToken).Validate(post.Url, form, signature));
        Assert.False(new RequestValidator("another-token").Validate(post.Url, form, signature));
        Assert.Equal("delivered", _fake.Find(sent.ProviderMessageId)!.Status);
        Assert.Equal(_clock.GetUtcNow(), _fake.Find(sent.ProviderMessageId)!.DateSent);
    }

    [Fact]
    public async Task StatusCallback_Should_CarryTheErrorCode_When_TheMessageIsUndelivered()
    {
        await using var receiver = await WebhookRecorder.StartAsync(Ct);
        var sent = await Gateway().SendAsync(new SmsMessage(Citizen, "hello", receiver.Url("/status")), Ct);

        await _fake.SendStatusCallbackAsync(sent.ProviderMessageId, "undelivered", 30003, Ct);

        var post = Assert.Single(receiver.Received);
        Assert.Equal("undelivered", post.Field("MessageStatus"));
        Assert.Equal("30003", post.Field("ErrorCode"));
        Assert.True(new RequestValidator(_fake.AuthToken).Validate(
            post.Url, post.Form.ToDictionary(f => f.Key, f => f.Value), post.Header(TwilioSignature.HeaderName)));
    }

    [Fact]
    public async Task Gateway_Should_MaskPhoneNumbers_When_Logging()
    {
        var gateway = Gateway();
        await gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct);
        await gateway.ListSentAsync(Citizen, _clock.GetUtcNow().AddHours(-1), Ct);
        _fake.BlockNumber(Citizen, 21610);
        await Assert.ThrowsAsync<SmsSendException>(() => gateway.SendAsync(new SmsMessage(Citizen, "hello"), Ct));
        _fake.FailNext(1, 503);
        await Assert.ThrowsAsync<SmsSendException>(() => gateway.ListSentAsync(Citizen, _clock.GetUtcNow(), Ct));

        Assert.NotEmpty(_logs.Lines);
        Assert.All(_logs.Lines, line => Assert.DoesNotContain("912345678", line, StringComparison.Ordinal));
        Assert.Contains(_logs.Lines, line => line.Contains(MaskedCitizen, StringComparison.Ordinal));
        Assert.All(_logs.Lines, line => Assert.DoesNotContain(_fake.AuthToken, line, StringComparison.Ordinal));
    }

    private ISmsGateway Gateway(IEnumerable<KeyValuePair<string, string?>>? configuration = null)
    {
        var host = SmsHost.Build(configuration ?? _fake.ConfigurationValues(from: Sender), _logs);
        _hosts.Add(host);
        var gateway = host.Services.GetRequiredService<ISmsGateway>();
        Assert.IsType<TwilioSmsGateway>(gateway);
        return gateway;
    }
}
