// The import report page: while the import is queued or running, poll GET /api/admin/imports/{id}; once it has
// finished, fetch this page again and swap in the server-rendered report, so the report is written in one place.
(() => {
    'use strict';
    const labels = { queued: 'Đang chờ xử lý', running: 'Đang nhập', succeeded: 'Hoàn tất', failed: 'Thất bại' };
    const report = document.getElementById('import-report');
    if (!report || !['queued', 'running'].includes(report.dataset.status)) return;

    const id = report.dataset.importId;
    const started = Date.now();
    let delay = 1000;

    async function swapInReport() {
        const response = await fetch(location.pathname, { credentials: 'same-origin', headers: { Accept: 'text/html' } });
        if (!response.ok) throw new Error(`HTTP ${response.status}`);
        const page = new DOMParser().parseFromString(await response.text(), 'text/html');
        const fresh = page.getElementById('import-report');
        if (fresh) report.replaceWith(fresh);
    }

    async function poll() {
        try {
            const response = await fetch(`/api/admin/imports/${encodeURIComponent(id)}`, { credentials: 'same-origin' });
            if (!response.ok) throw new Error(`HTTP ${response.status}`);
            const body = await response.json();
            const status = body.status;
            const badge = document.getElementById('import-status');
            if (badge) {
                badge.textContent = labels[status] ?? status;
                badge.className = `badge ${status}`;
            }
            if (status === 'succeeded' || status === 'failed') {
                await swapInReport();
                return;
            }
            const text = document.getElementById('import-progress-text');
            if (text) {
                const seconds = Math.round((Date.now() - started) / 1000);
                const loaded = typeof body.rowsLoaded === 'number'
                    ? `Đang nạp: đã đọc ${body.rowsLoaded.toLocaleString('vi-VN')} dòng hợp lệ…`
                    : 'Đang kiểm tra và nạp các dòng…';
                text.textContent = (status === 'queued' ? 'Đang chờ tác vụ nền xử lý…' : loaded) + ` (${seconds} giây)`;
            }
        } catch (error) {
            const text = document.getElementById('import-progress-text');
            if (text) text.textContent = `Không cập nhật được trạng thái (${error.message}); đang thử lại…`;
        }
        // Back off gently for long imports: a million rows take a while, and each poll is a database read.
        delay = Math.min(delay * 1.3, 5000);
        setTimeout(poll, delay);
    }

    setTimeout(poll, delay);
})();
