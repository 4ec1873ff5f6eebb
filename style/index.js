import './base.css';
import './launch.css';
import './sidebar.css';
import './jobview.css';
import './logs.css';
import './bench.css';
