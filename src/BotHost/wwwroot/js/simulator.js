// The SMS simulator page: refresh the open conversation every few seconds (the bot's replies, a reminder sent by a
// job) by fetching this same page and swapping in its server-rendered lines, so a bubble is rendered in one place.
(() => {
    'use strict';
    const lines = document.getElementById('conversation-lines');
    if (!lines) return;

    const scrollToEnd = () => { lines.scrollTop = lines.scrollHeight; };
    scrollToEnd();

    async function refresh() {
        try {
            const response = await fetch(location.pathname + location.search, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
            if (response.ok) {
                const page = new DOMParser().parseFromString(await response.text(), 'text/html');
                const fresh = page.getElementById('conversation-lines');
                if (fresh && fresh.innerHTML !== lines.innerHTML) {
                    const atEnd = lines.scrollTop + lines.clientHeight >= lines.scrollHeight - 8;
                    lines.innerHTML = fresh.innerHTML;
                    if (atEnd) scrollToEnd();
                }
            }
        } catch {
            // Offline for a moment: the next tick tries again.
        }
        if (!document.hidden) setTimeout(refresh, 3000);
    }

    document.addEventListener('visibilitychange', () => { if (!document.hidden) setTimeout(refresh, 500); });
    setTimeout(refresh, 3000);
})();
