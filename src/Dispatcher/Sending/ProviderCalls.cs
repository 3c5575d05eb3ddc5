using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>The provider's answer to one message of <see cref="ProviderCalls.SendAllAsync"/>.</summary>
/// <param name="Result">The provider took it (its message id and status); null otherwise.</param>
/// <param name="Error">What went wrong instead: an <see cref="SmsSendException"/>, a cancellation, anything else.</param>
/// <param name="HandedOver">False when the call was never made (cancelled while it waited for its turn): certainly not sent.</param>
public sealed record ProviderAnswer(SmsSendResult? Result, Exception? Error, bool HandedOver)
{
    /// <summary>A retryable provider error (429, 5xx, network): the provider may or may not have the message.</summary>
    public bool IsRetryable => Error is SmsSendException { Retryable: true };

    /// <summary>A final provider error: the provider refused the message for good and has its code.</summary>
    public SmsSendException? Refusal => Error is SmsSendException { Retryable: false } refused ? refused : null;
}

/// <summary>
/// The provider calls of this process: a group of messages is handed over concurrently, with at most
/// <c>Dispatcher:SendConcurrency</c> calls in flight across every send and reminder job of the process (the provider
/// account's concurrency is a limit too: Twilio answers 429 beyond it). Each message gets its own answer, whatever the
/// others' — one failure or cancellation never hides another message's result.
/// </summary>
public sealed class ProviderCalls(ISmsGateway gateway, IOptions<DispatcherOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _inFlight = new(options.Value.SendConcurrency, options.Value.SendConcurrency);

    /// <summary>The most calls in flight at once, and so the size of a group worth handing over together.</summary>
    public int Concurrency { get; } = options.Value.SendConcurrency;

    /// <summary>Hands every message to the provider, as many at once as the limit allows; the answers are in the same order.</summary>
    public Task<ProviderAnswer[]> SendAllAsync(IReadOnlyList<SmsMessage> messages, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Task.WhenAll(messages.Select(m => SendOneAsync(m, cancellationToken)));
    }

    public void Dispose() => _inFlight.Dispose();

    private async Task<ProviderAnswer> SendOneAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await _inFlight.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            return new ProviderAnswer(null, e, HandedOver: false);
        }

        try
        {
            if (cancellationToken.IsCancellationRequested)
                return new ProviderAnswer(null, new OperationCanceledException(cancellationToken), HandedOver: false);
            return new ProviderAnswer(await gateway.SendAsync(message, cancellationToken), null, HandedOver: true);
        }
#pragma warning disable CA1031 // Each message's failure is its own answer; the caller records it and rethrows what it must.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return new ProviderAnswer(null, e, HandedOver: true);
        }
        finally
        {
            _inFlight.Release();
        }
    }
}
