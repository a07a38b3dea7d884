/** The web notebook's entry: registers every component; <sb-app> in index.html takes it from there. */
import './components/sb-app/sb-app.ts';
import './components/sb-runbook-list/sb-runbook-list.ts';
import './components/sb-notebook/sb-notebook.ts';
import './components/sb-cell-card/sb-cell-card.ts';
import './components/sb-output/sb-output.ts';
import './components/sb-run-list/sb-run-list.ts';
import './components/sb-run-page/sb-run-page.ts';
import './components/sb-run-diff/sb-run-diff.ts';
import './components/sb-dc-editor/sb-dc-editor.ts';
