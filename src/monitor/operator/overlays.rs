//! What the analysis found, drawn over the picture: face boxes with their
//! numbers and landmarks, the object's box.

/// Face boxes with their track ids, keypoints and mesh landmarks, drawn
/// over the picture's rectangle `shown` (analysis picture pixels mapped
/// into it).
/// Each face's box, number, score and points (a face the look's face
/// secondaries grade alone, `graded`, drawn bold and labelled so), and the
/// box of the object pointed at.
pub(super) fn draw_analysis(
    ui: &egui::Ui,
    shown: egui::Rect,
    analysis: &crate::analysis::analyzer::Analysis,
    graded: &[u32],
) {
    let painter = ui.painter_at(shown);
    let [w, h] = analysis.picture_size.map(|v| v.max(1) as f32);
    let at = |x: f32, y: f32| {
        egui::pos2(
            shown.min.x + x / w * shown.width(),
            shown.min.y + y / h * shown.height(),
        )
    };
    let colour = egui::Color32::from_rgb(255, 210, 0);
    for face in &analysis.faces {
        let b = face.bbox;
        let rect = egui::Rect::from_min_max(at(b.x0, b.y0), at(b.x1, b.y1));
        let chosen = graded.contains(&face.id);
        painter.rect_stroke(
            rect,
            0.0,
            egui::Stroke::new(if chosen { 3.5 } else { 1.5 }, colour),
            egui::StrokeKind::Middle,
        );
        let graded_alone = if chosen { ", graded alone" } else { "" };
        painter.text(
            rect.left_top() - egui::vec2(0.0, 2.0),
            egui::Align2::LEFT_BOTTOM,
            format!("face {} ({:.2}){graded_alone}", face.id, face.score),
            egui::FontId::proportional(12.0),
            colour,
        );
        for [x, y] in face.keypoints {
            painter.circle_filled(at(x, y), 2.5, egui::Color32::RED);
        }
        for p in face.landmarks.iter().flatten() {
            painter.circle_filled(at(p[0], p[1]), 0.8, egui::Color32::from_rgb(0, 255, 180));
        }
    }
    if let Some(object) = &analysis.object {
        let [x0, y0, x1, y1] = object.bbox;
        let rect = egui::Rect::from_min_max(at(x0, y0), at(x1, y1));
        let colour = egui::Color32::from_rgb(0, 200, 255);
        painter.rect_stroke(
            rect,
            0.0,
            egui::Stroke::new(2.0, colour),
            egui::StrokeKind::Middle,
        );
        painter.text(
            rect.left_top() - egui::vec2(0.0, 2.0),
            egui::Align2::LEFT_BOTTOM,
            "object",
            egui::FontId::proportional(12.0),
            colour,
        );
    } else if analysis.object_tracked {
        painter.text(
            shown.left_top() + egui::vec2(8.0, 8.0),
            egui::Align2::LEFT_TOP,
            "object: looking for it again",
            egui::FontId::proportional(12.0),
            egui::Color32::from_rgb(0, 200, 255),
        );
    }
}
