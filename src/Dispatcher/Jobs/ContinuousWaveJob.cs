using ChatSurvey.Dispatcher.Waves;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring, every minute: each running continuous wave decides the dossiers that arrived since its last pass (any
/// import, the JSON batch, the integration API) and plans the invitations of those drawn (<see cref="ContinuousDecider"/>;
/// docs/methodology.md, "Continuous waves"). One wave's failed pass is rolled back and
/// logged, and does not keep the others from theirs.
/// </summary>
public sealed class ContinuousWaveJob(WaveStore waves, ContinuousDecider decider, ILogger<ContinuousWaveJob> logger)
{
    /// <summary>Runs a pass over every running continuous wave; returns how many dossiers were decided and invited in all.</summary>
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<DecisionPass> RunAsync(CancellationToken cancellationToken)
    {
        var total = DecisionPass.None;
        foreach (var waveId in await waves.RunningContinuousAsync(cancellationToken))
        {
            try
            {
                var pass = await decider.DecideAsync(waveId, cancellationToken);
                if (pass.Decided > 0)
                {
                    logger.LogInformation(
                        "Wave {WaveId}: decided {Decided} dossier(s): {Invited} invited, {NotDrawn} not drawn, {TargetReached} at target, {Ineligible} ineligible",
                        waveId, pass.Decided, pass.Invited, pass.NotDrawn, pass.TargetReached, pass.Ineligible);
                }

                total = new DecisionPass(total.Decided + pass.Decided, total.Invited + pass.Invited, total.NotDrawn + pass.NotDrawn,
                    total.TargetReached + pass.TargetReached, total.Ineligible + pass.Ineligible);
            }
            catch (Exception e) when (e is NpgsqlException or InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                // Rolled back: the next run decides the same dossiers.
                logger.LogWarning(e, "Wave {WaveId}: the pass failed; its dossiers are decided on the next run", waveId);
            }
        }

        return total;
    }
}
